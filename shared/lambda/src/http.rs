//! The HTTP functions: an axum router served by lambda_http (API Gateway
//! HTTP API, payload 2.0). lambda_http turns each event into an
//! `http::Request` and the router's response back into the API Gateway
//! response; [`lambda_layer`] adds what the router needs from the event.

use axum::extract::{ConnectInfo, Request};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;
use lambda_http::request::{LambdaRequest, RequestContext};
use lambda_http::{Adapter, LambdaEvent, RequestExt, Service};
use serde_json::Value;
use std::net::{IpAddr, SocketAddr};
use std::time::Instant;
use tracing::Instrument;

/// The router with [`lambda_layer`]: what an HTTP function serves.
pub fn service(router: Router) -> Router {
    router.layer(middleware::from_fn(lambda_layer))
}

/// Serves `router` until the runtime stops (one invocation at a time).
pub async fn serve(router: Router) -> Result<(), lambda_http::Error> {
    lambda_http::run(service(router)).await
}

/// For every request: the client's address (API Gateway's `sourceIp`) as
/// axum's `ConnectInfo`, which the per-address rate limit reads; a span
/// with API Gateway's request id and route key (a template such as
/// `GET /v1/events/{id}`: no ids, no query string); one line per response.
async fn lambda_layer(mut request: Request, next: Next) -> Response {
    let (request_id, route, source_ip) = match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(context)) => (
            context.request_id.clone(),
            context.route_key.clone(),
            context.http.source_ip.clone(),
        ),
        _ => (None, None, None),
    };
    if let Some(ip) = source_ip.and_then(|ip| ip.parse::<IpAddr>().ok()) {
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::new(ip, 0)));
    }
    let span = tracing::info_span!(
        "http",
        apigwRequestId = request_id.as_deref().unwrap_or("-"),
        route = route.as_deref().unwrap_or("-"),
    );
    async move {
        let started = Instant::now();
        let response = next.run(request).await;
        let status = response.status().as_u16();
        let ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        if response.status().is_server_error() {
            tracing::warn!(status, ms, "request failed");
        } else {
            tracing::info!(status, ms, "request handled");
        }
        response
    }
    .instrument(span)
    .await
}

/// Why an event could not be handled as an HTTP request.
#[derive(Debug, thiserror::Error)]
pub enum InvokeError {
    #[error("the event is not an API Gateway, ALB or Lambda URL request: {0}")]
    NotAnHttpEvent(serde_json::Error),
    #[error("the response could not be encoded: {0}")]
    Encode(serde_json::Error),
}

/// Handles one raw Lambda event exactly as [`serve`] does and returns the
/// response event's JSON: for calling a function's handler directly,
/// without the runtime loop. `Adapter` and `LambdaRequest` are public but
/// doc-hidden in lambda_http; they are what `lambda_http::run` itself
/// wraps the service in, so this is the runtime's own path.
pub async fn invoke(router: Router, event: LambdaEvent<Value>) -> Result<Value, InvokeError> {
    let LambdaEvent { payload, context } = event;
    let request: LambdaRequest =
        serde_json::from_value(payload).map_err(InvokeError::NotAnHttpEvent)?;
    let mut adapter = Adapter::from(service(router));
    let response = match adapter.call(LambdaEvent::new(request, context)).await {
        Ok(response) => response,
        Err(never) => match never {},
    };
    serde_json::to_value(response).map_err(InvokeError::Encode)
}
