//! `GET /dev`: a small page for people — the outbox, the events, and each
//! registrant's timeline. Dev mode only; everything shown is escaped.

use crate::driver::Driver;
use crate::outbox::Outbox;
use crate::stack::DEV_TENANT;
use html_escape::encode_text as esc;
use myx_engine::{events, reads, timeline};
use std::fmt::Write as _;

const PAGE_HEAD: &str = "<!doctype html><html><head><meta charset=\"utf-8\"><title>Myxelium dev</title>\
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse;width:100%}\
td,th{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}\
.skipped,.failed,.cancelled,.suppressed{color:#a33}.sent{color:#262}</style></head><body>";

/// Renders the page; a store error is shown in place of the section.
pub async fn render(driver: &Driver, outbox: &Outbox) -> String {
    let engine = driver.engine();
    let mut html = String::from(PAGE_HEAD);
    let _ = write!(
        html,
        "<h1>Myxelium dev</h1><p>Clock: {}</p>",
        esc(&driver.now().to_string())
    );

    html.push_str("<h2>Outbox</h2>");
    match outbox.entries().await {
        Ok(entries) if entries.is_empty() => html.push_str("<p>No messages yet.</p>"),
        Ok(entries) => {
            html.push_str("<table><tr><th>sent at</th><th>channel</th><th>step</th><th>to</th><th>subject / body</th></tr>");
            for m in entries.iter().rev().take(200) {
                let what = m.subject.clone().unwrap_or_else(|| m.body.clone());
                let _ = write!(
                    html,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    esc(&m.sent_at.to_string()),
                    esc(&m.channel),
                    esc(m.step.as_deref().unwrap_or("")),
                    esc(&m.to),
                    esc(&what)
                );
            }
            html.push_str("</table>");
        }
        Err(e) => {
            let _ = write!(
                html,
                "<p class=\"failed\">outbox unavailable: {}</p>",
                esc(&e.to_string())
            );
        }
    }

    html.push_str("<h2>Events</h2>");
    match events::list_events(engine, DEV_TENANT, None, 50).await {
        Ok((list, _)) if list.is_empty() => html.push_str("<p>No events yet.</p>"),
        Ok((list, _)) => {
            for event in list {
                let _ = write!(
                    html,
                    "<h3>{} <small>{} · {} to {} · {:?} · funnel {} v{}</small></h3>",
                    esc(&event.title),
                    esc(&event.id),
                    esc(&event.starts_at.to_string()),
                    esc(&event.ends_at.to_string()),
                    event.status,
                    esc(&event.funnel_id),
                    event.funnel_version
                );
                let mut registrants = Vec::new();
                let listed = reads::for_each_registration(engine, DEV_TENANT, &event.id, |reg| {
                    registrants.push(reg);
                    async { Ok(()) }
                })
                .await;
                if let Err(e) = listed {
                    let _ = write!(html, "<p class=\"failed\">{}</p>", esc(&e.to_string()));
                    continue;
                }
                for reg in registrants {
                    let who = match reads::contact(engine, DEV_TENANT, &reg.contact_id).await {
                        Ok(Some(c)) => c.email,
                        _ => reg.contact_id.clone(),
                    };
                    let _ = write!(
                        html,
                        "<details><summary>{} · enrollment {} · {:?}</summary><table>",
                        esc(&who),
                        esc(&reg.enrollment_id),
                        reg.attendance
                    );
                    let entries = timeline::read(engine, DEV_TENANT, &event.id, &reg.contact_id)
                        .await
                        .unwrap_or_default();
                    for e in entries {
                        let kind = serde_json::to_value(e.kind)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_string))
                            .unwrap_or_default();
                        let _ = write!(
                            html,
                            "<tr class=\"{k}\"><td>{}</td><td>{k}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                            esc(&e.at.to_string()),
                            esc(e.step.as_deref().unwrap_or("")),
                            e.channel.map(|c| c.as_str()).unwrap_or(""),
                            esc(&e.send_at.map(|t| t.to_string()).unwrap_or_default()),
                            esc(e.reason.as_deref().unwrap_or("")),
                            k = esc(&kind)
                        );
                    }
                    html.push_str("</table></details>");
                }
            }
        }
        Err(e) => {
            let _ = write!(
                html,
                "<p class=\"failed\">events unavailable: {}</p>",
                esc(&e.to_string())
            );
        }
    }
    html.push_str("</body></html>");
    html
}
