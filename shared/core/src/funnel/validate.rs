//! Meaning checks on a structurally valid document, producing the typed
//! model or every problem with its path.

use super::doc::*;
use super::model::*;
use super::problem::Problem;
use crate::channel::Channel;
use crate::clock_time::ClockTime;
use crate::duration::Duration;
use crate::planner::Branch;
use crate::template_vars::{check_template, TemplateIssue};
use std::collections::{BTreeMap, HashMap, HashSet};

pub(super) fn to_model(doc: &FunnelDoc) -> Result<Funnel, Vec<Problem>> {
    let mut v = Validator::default();
    let funnel = v.funnel(doc);
    if v.problems.is_empty() {
        Ok(funnel)
    } else {
        Err(v.problems)
    }
}

#[derive(Default)]
struct Validator {
    problems: Vec<Problem>,
}

/// Where a step sits, to decide which steps may have been sent before it.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Position {
    phase: Phase,
    index: usize,
}

impl Position {
    fn can_follow(self, earlier: Position) -> bool {
        match (earlier.phase, self.phase) {
            (Phase::PreEvent, Phase::PreEvent) => earlier.index < self.index,
            (Phase::PreEvent, Phase::PostEvent(_)) => true,
            (Phase::PostEvent(a), Phase::PostEvent(b)) => a == b && earlier.index < self.index,
            (Phase::PostEvent(_), Phase::PreEvent) => false,
        }
    }
}

impl Validator {
    fn report(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem::new(path, message));
    }

    fn funnel(&mut self, doc: &FunnelDoc) -> Funnel {
        if !is_id(&doc.funnel, false) {
            self.report(
                "funnel",
                format!(
                    "invalid funnel id {:?}: use 1 to 64 characters of a-z, 0-9 and '-'",
                    doc.funnel
                ),
            );
        }
        if doc.name.trim().is_empty() {
            self.report("name", "must not be empty");
        }
        let defaults = self.defaults(&doc.defaults);
        let templates = self.templates(&doc.templates);

        let pre_event = self.steps(&doc.pre_event, "pre_event", Phase::PreEvent, &templates);
        let attended = self.steps(
            &doc.post_event.attended,
            "post_event.attended",
            Phase::PostEvent(Branch::Attended),
            &templates,
        );
        let no_show = self.steps(
            &doc.post_event.no_show,
            "post_event.no_show",
            Phase::PostEvent(Branch::NoShow),
            &templates,
        );
        if pre_event.is_empty() && attended.is_empty() && no_show.is_empty() {
            self.report(
                "",
                "the funnel has no steps: add pre_event or post_event steps",
            );
        }

        let funnel = Funnel {
            id: doc.funnel.clone(),
            name: doc.name.clone(),
            description: doc.description.clone(),
            defaults,
            pre_event,
            post_event: PostEvent { attended, no_show },
            templates,
        };
        self.unique_step_ids(doc);
        self.conditions(doc);
        funnel
    }

    fn defaults(&mut self, doc: &DefaultsDoc) -> Defaults {
        let mut d = Defaults::default();
        if let Some(gap) = &doc.min_gap {
            if let Some(g) = self.duration(gap, "defaults.min_gap") {
                d.min_gap = g;
            }
        }
        if let Some(c) = doc.compress {
            d.compress = c;
        }
        for (channel, cap) in &doc.daily_cap {
            if *cap == 0 {
                self.report(
                    format!("defaults.daily_cap.{channel}"),
                    "must be at least 1 (remove the channel from the funnel instead)",
                );
            }
        }
        d.daily_cap = doc.daily_cap.clone();
        if let Some(q) = &doc.quiet_hours {
            let start = self.clock(&q.start, "defaults.quiet_hours.start");
            let end = self.clock(&q.end, "defaults.quiet_hours.end");
            if let (Some(start), Some(end)) = (start, end) {
                if start == end {
                    self.report(
                        "defaults.quiet_hours",
                        "start and end are the same time; to turn quiet hours off use `channels: []`",
                    );
                }
                d.quiet_hours = QuietHours {
                    start,
                    end,
                    channels: q.channels.clone().unwrap_or_else(|| vec![Channel::Sms]),
                };
            }
        }
        d
    }

    fn templates(&mut self, docs: &BTreeMap<String, TemplateDoc>) -> BTreeMap<String, Template> {
        let mut out = BTreeMap::new();
        for (key, t) in docs {
            let path = format!("templates.{key}");
            if t.email.is_none() && t.sms.is_none() {
                self.report(
                    &path,
                    "a template needs an `email` or an `sms` part (or both)",
                );
            }
            if let Some(e) = &t.email {
                self.template_text(&e.subject, &format!("{path}.email.subject"));
                self.template_text(&e.html, &format!("{path}.email.html"));
                if let Some(text) = &e.text {
                    self.template_text(text, &format!("{path}.email.text"));
                }
            }
            if let Some(s) = &t.sms {
                self.template_text(&s.body, &format!("{path}.sms.body"));
            }
            out.insert(
                key.clone(),
                Template {
                    email: t.email.as_ref().map(|e| EmailTemplate {
                        subject: e.subject.clone(),
                        html: e.html.clone(),
                        text: e.text.clone(),
                    }),
                    sms: t.sms.as_ref().map(|s| SmsTemplate {
                        body: s.body.clone(),
                    }),
                },
            );
        }
        out
    }

    fn template_text(&mut self, source: &str, path: &str) {
        if source.trim().is_empty() {
            self.report(path, "must not be empty");
            return;
        }
        for issue in check_template(source) {
            match issue {
                TemplateIssue::Syntax(m) => self.report(path, format!("template syntax error: {m}")),
                TemplateIssue::UnknownVariable(name) => self.report(
                    path,
                    format!(
                        "unknown variable `{name}`; see `myx funnel variables` for the documented list (custom fields are `custom.<name>`)"
                    ),
                ),
            }
        }
    }

    fn steps(
        &mut self,
        docs: &[StepDoc],
        base: &str,
        phase: Phase,
        templates: &BTreeMap<String, Template>,
    ) -> Vec<Step> {
        docs.iter()
            .enumerate()
            .filter_map(|(i, s)| self.step(s, &format!("{base}[{i}]"), phase, templates))
            .collect()
    }

    fn step(
        &mut self,
        doc: &StepDoc,
        path: &str,
        phase: Phase,
        templates: &BTreeMap<String, Template>,
    ) -> Option<Step> {
        if !is_id(&doc.id, true) {
            self.report(
                format!("{path}.id"),
                format!(
                    "invalid step id {:?}: use 1 to 64 characters of a-z, 0-9, '-' and '_', starting with a letter or digit",
                    doc.id
                ),
            );
        }
        if doc.channels.is_empty() {
            self.report(format!("{path}.channels"), "list at least one channel");
        }
        let mut seen = HashSet::new();
        for (i, c) in doc.channels.iter().enumerate() {
            if !seen.insert(*c) {
                self.report(
                    format!("{path}.channels[{i}]"),
                    format!("channel {c} is listed twice"),
                );
            }
        }
        self.template_ref(
            &doc.template,
            &doc.channels,
            &format!("{path}.template"),
            templates,
        );

        let mut variant_ids = HashSet::new();
        for (i, var) in doc.variants.iter().enumerate() {
            let vpath = format!("{path}.variants[{i}]");
            if !variant_ids.insert(var.id.as_str()) {
                self.report(
                    format!("{vpath}.id"),
                    format!("duplicate variant id {:?}", var.id),
                );
            }
            if !(var.weight.is_finite() && var.weight > 0.0) {
                self.report(
                    format!("{vpath}.weight"),
                    format!("weight must be a positive number, got {}", var.weight),
                );
            }
            self.template_ref(
                &var.template,
                &doc.channels,
                &format!("{vpath}.template"),
                templates,
            );
        }

        let send = self.send_rule(&doc.send, &format!("{path}.send"), phase);
        let when = doc
            .when
            .as_ref()
            .and_then(|c| self.condition_shape(c, &format!("{path}.if")));
        let unless = doc
            .unless
            .as_ref()
            .and_then(|c| self.condition_shape(c, &format!("{path}.unless")));
        Some(Step {
            id: doc.id.clone(),
            channels: doc.channels.clone(),
            template: doc.template.clone(),
            send: send?,
            flexible: doc.flexible,
            when,
            unless,
            variants: doc
                .variants
                .iter()
                .map(|v| Variant {
                    id: v.id.clone(),
                    weight: v.weight,
                    template: v.template.clone(),
                })
                .collect(),
        })
    }

    fn template_ref(
        &mut self,
        key: &str,
        channels: &[Channel],
        path: &str,
        templates: &BTreeMap<String, Template>,
    ) {
        match templates.get(key) {
            None => {
                let hint = templates
                    .keys()
                    .find(|k| strsim::damerau_levenshtein(k, key) <= 2)
                    .map(|k| format!(" (did you mean {k:?}?)"))
                    .unwrap_or_default();
                self.report(path, format!("unknown template {key:?}{hint}"));
            }
            Some(t) => {
                for c in channels {
                    if !t.supports(*c) {
                        let part = match c {
                            Channel::Email => "an `email` part (subject and html)",
                            Channel::Sms => "an `sms` part (body)",
                        };
                        self.report(
                            path,
                            format!(
                                "template {key:?} is sent by {c} but has no {c} body: add {part}"
                            ),
                        );
                    }
                }
            }
        }
    }

    fn send_rule(&mut self, doc: &SendDoc, path: &str, phase: Phase) -> Option<SendRule> {
        let allowed = match phase {
            Phase::PreEvent => "after_registration, before_event, days_before_event",
            Phase::PostEvent(_) => "after_event_end",
        };
        let given = [
            doc.after_registration.is_some(),
            doc.before_event.is_some(),
            doc.days_before_event.is_some(),
            doc.after_event_end.is_some(),
        ]
        .iter()
        .filter(|g| **g)
        .count();
        if given != 1 {
            self.report(path, format!("expected exactly one of {allowed}"));
            return None;
        }
        if doc.at.is_some() && doc.days_before_event.is_none() {
            self.report(
                format!("{path}.at"),
                "`at` only goes with `days_before_event`",
            );
        }
        let rule = if let Some(d) = &doc.after_registration {
            SendRule::AfterRegistration(self.duration(d, &format!("{path}.after_registration"))?)
        } else if let Some(d) = &doc.before_event {
            SendRule::BeforeEvent(self.duration(d, &format!("{path}.before_event"))?)
        } else if let Some(d) = &doc.after_event_end {
            SendRule::AfterEventEnd(self.duration(d, &format!("{path}.after_event_end"))?)
        } else {
            let days = doc.days_before_event.unwrap_or_default();
            let days = match u32::try_from(days) {
                Ok(d) if d <= 365 => Some(d),
                _ => {
                    self.report(
                        format!("{path}.days_before_event"),
                        format!("must be a whole number of days from 0 to 365, got {days}"),
                    );
                    None
                }
            };
            let at = match &doc.at {
                Some(at) => self.clock(at, &format!("{path}.at")),
                None => {
                    self.report(
                        path,
                        "`days_before_event` needs `at: \"HH:MM\"` (local time)",
                    );
                    None
                }
            };
            SendRule::DaysBeforeEvent {
                days: days?,
                at: at?,
            }
        };
        let fits = match phase {
            Phase::PreEvent => !matches!(rule, SendRule::AfterEventEnd(_)),
            Phase::PostEvent(_) => matches!(rule, SendRule::AfterEventEnd(_)),
        };
        if !fits {
            let why = match phase {
                Phase::PreEvent => "`after_event_end` is only for post_event steps; expected exactly one of after_registration, before_event, days_before_event",
                Phase::PostEvent(_) => "post-event steps are timed from the event's end: use `after_event_end`",
            };
            self.report(path, why);
            return None;
        }
        Some(rule)
    }

    fn condition_shape(&mut self, doc: &ConditionDoc, path: &str) -> Option<Condition> {
        let given = [
            doc.delivered.is_some(),
            doc.opened.is_some(),
            doc.clicked.is_some(),
            doc.attribute.is_some(),
        ]
        .iter()
        .filter(|g| **g)
        .count();
        if given != 1 {
            self.report(
                path,
                "expected exactly one of delivered, opened, clicked, attribute",
            );
            return None;
        }
        if let Some(s) = &doc.delivered {
            return Some(Condition::Delivered(s.clone()));
        }
        if let Some(s) = &doc.opened {
            return Some(Condition::Opened(s.clone()));
        }
        if let Some(s) = &doc.clicked {
            return Some(Condition::Clicked(s.clone()));
        }
        let a = doc.attribute.as_ref()?;
        if a.name.trim().is_empty() {
            self.report(format!("{path}.attribute.name"), "must not be empty");
        }
        Some(Condition::Attribute {
            name: a.name.clone(),
            equals: a.equals.clone(),
        })
    }

    fn unique_step_ids(&mut self, doc: &FunnelDoc) {
        let mut first: HashMap<&str, String> = HashMap::new();
        for (path, step) in doc_steps(doc) {
            if let Some(earlier) = first.get(step.id.as_str()) {
                self.report(
                    format!("{path}.id"),
                    format!("duplicate step id {:?} (first used at {earlier})", step.id),
                );
            } else {
                first.insert(&step.id, path);
            }
        }
    }

    /// A condition may only refer to a step that can have been sent before.
    fn conditions(&mut self, doc: &FunnelDoc) {
        let positions: HashMap<&str, (Position, &StepDoc)> = doc_positions(doc)
            .map(|(_, pos, s)| (s.id.as_str(), (pos, s)))
            .collect();
        for (path, pos, step) in doc_positions(doc) {
            for (key, cond) in [("if", &step.when), ("unless", &step.unless)] {
                let Some(cond) = cond else { continue };
                let (kind, target) = match (&cond.delivered, &cond.opened, &cond.clicked) {
                    (Some(t), None, None) => ("delivered", t),
                    (None, Some(t), None) => ("opened", t),
                    (None, None, Some(t)) => ("clicked", t),
                    _ => continue,
                };
                let cpath = format!("{path}.{key}.{kind}");
                match positions.get(target.as_str()) {
                    None => self.report(cpath, format!("unknown step {target:?}")),
                    Some((tpos, tstep)) => {
                        if !pos.can_follow(*tpos) {
                            self.report(
                                cpath,
                                format!(
                                    "step {target:?} cannot have been sent before {:?}: a condition may only refer to an earlier step of the same phase, or to a pre-event step from a post-event one",
                                    step.id
                                ),
                            );
                        } else if kind == "opened" && !tstep.channels.contains(&Channel::Email) {
                            self.report(
                                cpath,
                                format!("step {target:?} sends no email, so it cannot be opened"),
                            );
                        }
                    }
                }
            }
        }
    }

    fn duration(&mut self, text: &str, path: &str) -> Option<Duration> {
        text.parse::<Duration>()
            .map_err(|e| self.report(path, e.to_string()))
            .ok()
    }

    fn clock(&mut self, text: &str, path: &str) -> Option<ClockTime> {
        text.parse::<ClockTime>()
            .map_err(|e| self.report(path, e.to_string()))
            .ok()
    }
}

fn doc_positions(doc: &FunnelDoc) -> impl Iterator<Item = (String, Position, &StepDoc)> {
    let parts: [(&[StepDoc], &str, Phase); 3] = [
        (&doc.pre_event, "pre_event", Phase::PreEvent),
        (
            &doc.post_event.attended,
            "post_event.attended",
            Phase::PostEvent(Branch::Attended),
        ),
        (
            &doc.post_event.no_show,
            "post_event.no_show",
            Phase::PostEvent(Branch::NoShow),
        ),
    ];
    parts.into_iter().flat_map(|(steps, base, phase)| {
        steps
            .iter()
            .enumerate()
            .map(move |(index, s)| (format!("{base}[{index}]"), Position { phase, index }, s))
    })
}

fn doc_steps(doc: &FunnelDoc) -> impl Iterator<Item = (String, &StepDoc)> {
    doc_positions(doc).map(|(p, _, s)| (p, s))
}

fn is_id(s: &str, allow_underscore: bool) -> bool {
    let ok = |b: u8| {
        b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || (allow_underscore && b == b'_')
    };
    (1..=64).contains(&s.len())
        && s.bytes().all(ok)
        && (!allow_underscore || s.as_bytes()[0].is_ascii_alphanumeric())
}
