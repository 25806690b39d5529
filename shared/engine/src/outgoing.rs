//! Building the deliverable message for one (step, channel) of one contact:
//! the variant's template, the contact's variables, the compliance parts
//! (unsubscribe link and headers, postal address, SMS opt-out text) and,
//! on the welcome, the calendar file.

use crate::engine::Engine;
use crate::links;
use crate::records::{ContactRecord, EventRecord, RegistrationRecord, TenantRecord};
use jiff::tz::TimeZone;
use myx_compose::unsubscribe::{issue, unsubscribe_url, Claims, Scope};
use myx_compose::{
    build_email, compose_sms, count_segments, render_sms, EmailRequest, MessageContext,
};
use myx_core::funnel::{SendRule, Step, Template};
use myx_core::message::{OutgoingEmail, OutgoingSms};
use myx_core::{Channel, Funnel};

pub enum Outgoing {
    Email(OutgoingEmail),
    Sms(OutgoingSms, usize),
}

impl Outgoing {
    /// Tags the message with its step.
    pub fn for_step(mut self, step: &str) -> Self {
        match &mut self {
            Outgoing::Email(e) => e.step = Some(step.to_string()),
            Outgoing::Sms(s, _) => s.step = Some(step.to_string()),
        }
        self
    }

    /// Gives the message its send reference (`send_ref`), for providers
    /// that carry it back.
    pub fn with_send_ref(mut self, send_ref: Option<String>) -> Self {
        match &mut self {
            Outgoing::Email(e) => e.send_ref = send_ref,
            Outgoing::Sms(s, _) => s.send_ref = send_ref,
        }
        self
    }

    pub fn recipient(&self) -> &str {
        match self {
            Outgoing::Email(e) => &e.to,
            Outgoing::Sms(s, _) => &s.to,
        }
    }

    /// GSM-7 / UCS-2 segment count, for SMS.
    pub fn sms_segments(&self) -> Option<usize> {
        match self {
            Outgoing::Sms(_, n) => Some(*n),
            Outgoing::Email(_) => None,
        }
    }
}

/// The message context (variables) for a contact and event.
pub fn context(
    engine: &Engine,
    tenant: &TenantRecord,
    event: &EventRecord,
    reg: &RegistrationRecord,
    contact: &ContactRecord,
    channel: Channel,
) -> Result<MessageContext, String> {
    let event_zone = TimeZone::get(&event.timezone).map_err(|e| format!("event zone: {e}"))?;
    let recipient_zone = TimeZone::get(&reg.timezone).ok();
    let calendar =
        myx_compose::calendar::calendar_urls(&links::calendar_event(engine, &tenant.id, event));
    let scope = match channel {
        Channel::Email => Scope::Channel(Channel::Email),
        _ => Scope::All,
    };
    let token = issue(
        &engine.config.unsubscribe_key,
        &Claims {
            tenant_id: tenant.id.clone(),
            contact_id: contact.id.clone(),
            scope,
            issued_at: engine.clock.now(),
        },
    );
    let unsubscribe =
        unsubscribe_url(&engine.config.public_url, &token).map_err(|e| e.to_string())?;
    Ok(MessageContext {
        first_name: contact.first_name.clone(),
        last_name: contact.last_name.clone(),
        email: Some(contact.email.clone()),
        event_title: event.title.clone(),
        event_start: event.starts_at,
        event_zone,
        recipient_zone,
        join_url: reg.join_url.clone().or_else(|| event.join_url.clone()),
        replay_url: event.replay_url.clone(),
        calendar_url: Some(links::ics_url(engine, &event.id)),
        google_calendar_url: Some(calendar.google.clone()),
        outlook_calendar_url: Some(calendar.outlook.clone()),
        business_name: tenant.business_name.clone(),
        postal_address: tenant.postal_address.clone(),
        unsubscribe_url: Some(unsubscribe),
        custom: contact.custom_fields.clone(),
    })
}

/// The welcome (the funnel's first `after_registration` step) carries the `.ics`.
fn is_welcome(funnel: &Funnel, step: &Step) -> bool {
    funnel
        .pre_event
        .iter()
        .find(|s| matches!(s.send, SendRule::AfterRegistration(_)))
        .is_some_and(|s| s.id == step.id)
}

/// Builds the message; an error is a reason for the timeline (it will not
/// get better on retry: a template that cannot render, a missing address).
#[allow(clippy::too_many_arguments)]
pub fn build(
    engine: &Engine,
    tenant: &TenantRecord,
    event: &EventRecord,
    reg: &RegistrationRecord,
    contact: &ContactRecord,
    funnel: &Funnel,
    step: &Step,
    channel: Channel,
    message_id: &str,
    first_sms: bool,
) -> Result<Outgoing, String> {
    let template_key = match myx_core::planner::variant::pick(&funnel.id, step, &contact.id) {
        Some(v) => v.template.as_str(),
        None => step.template.as_str(),
    };
    let template = funnel
        .templates
        .get(template_key)
        .ok_or_else(|| format!("template {template_key:?} missing"))?;
    let attach_calendar = channel == Channel::Email && is_welcome(funnel, step);
    build_from_template(
        engine,
        tenant,
        event,
        reg,
        contact,
        template,
        channel,
        message_id,
        first_sms,
        attach_calendar,
    )
}

#[allow(clippy::too_many_arguments)]
pub fn build_from_template(
    engine: &Engine,
    tenant: &TenantRecord,
    event: &EventRecord,
    reg: &RegistrationRecord,
    contact: &ContactRecord,
    template: &Template,
    channel: Channel,
    message_id: &str,
    first_sms: bool,
    attach_calendar: bool,
) -> Result<Outgoing, String> {
    let ctx = context(engine, tenant, event, reg, contact, channel)?;
    match channel {
        Channel::Email => {
            let t = template
                .email
                .as_ref()
                .ok_or("template has no email part")?;
            let mut attachments = Vec::new();
            if attach_calendar {
                let entry = links::calendar_event(engine, &tenant.id, event);
                attachments.push(
                    myx_compose::calendar::ics_attachment(&entry, engine.clock.now())
                        .map_err(|e| e.to_string())?,
                );
            }
            let mut email = build_email(EmailRequest {
                from: &tenant.sender_email,
                message_id,
                template: t,
                context: &ctx,
                unsubscribe_mailto: None,
                attachments,
            })
            .map_err(|e| e.to_string())?;
            email.to = contact.email.clone();
            Ok(Outgoing::Email(email))
        }
        Channel::Sms => {
            let t = template.sms.as_ref().ok_or("template has no sms part")?;
            let phone = contact.phone.clone().ok_or("contact has no phone number")?;
            let body = render_sms(t, &ctx.variables()).map_err(|e| e.to_string())?;
            let body = compose_sms(&body, &tenant.business_name, first_sms);
            let segments = count_segments(&body).segments;
            Ok(Outgoing::Sms(
                OutgoingSms {
                    from: tenant
                        .sms_from
                        .clone()
                        .unwrap_or_else(|| tenant.business_name.clone()),
                    to: phone,
                    body,
                    message_id: message_id.to_string(),
                    step: None,
                    send_ref: None,
                },
                segments,
            ))
        }
        #[allow(unreachable_patterns)]
        other => Err(format!("channel {other} is not supported yet")),
    }
}

/// The built-in cancellation notice, unless the funnel has a `cancellation` template.
pub fn cancellation_template(funnel: &Funnel) -> Template {
    funnel.templates.get("cancellation").cloned().unwrap_or_else(|| Template {
        email: Some(myx_core::funnel::EmailTemplate {
            subject: "Cancelled: {{ event_title }}".into(),
            html: "<p>Hi {{ first_name }},</p><p>{{ event_title }}, planned for {{ event_start }}, has been cancelled. We are sorry for the inconvenience.</p>".into(),
            text: None,
        }),
        sms: None,
    })
}
