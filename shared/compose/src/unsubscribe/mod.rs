//! One-click unsubscribe: HMAC-signed tokens naming who unsubscribes from
//! what, and the link that carries them.

mod key;
mod link;
mod token;

pub use key::{KeyError, UnsubscribeKey};
pub use link::{check_one_click_url, unsubscribe_url, LinkError, UNSUBSCRIBE_PATH};
pub use token::{issue, verify, Claims, Scope, TokenError, MAX_TOKEN_LEN};
