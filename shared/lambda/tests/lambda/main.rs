//! myx-lambda's integration tests, against moto (myx-emulator starts it):
//! the functions' handlers called directly with the sample events.

mod cost;
mod end_to_end;
mod http_functions;
mod logs;
mod requests;
mod send_batch;
mod support;
