//! Timers as one-shot EventBridge Scheduler schedules.
//!
//! Each timer is an `at(...)` schedule in UTC, with no flexible window,
//! deleted by the service after it fires, whose target sends the
//! [`WorkMessage`] JSON to the steps queue (with retries, then a dead-letter
//! queue). Names are deterministic, so scheduling a name again replaces the
//! schedule (create; on conflict, update) and cancelling is a delete.

use crate::aws_error::{classify, Failure};
use aws_config::SdkConfig;
use aws_sdk_scheduler::operation::create_schedule::CreateScheduleError;
use aws_sdk_scheduler::operation::delete_schedule::DeleteScheduleError;
use aws_sdk_scheduler::operation::update_schedule::UpdateScheduleError;
use aws_sdk_scheduler::types::{
    ActionAfterCompletion, DeadLetterConfig, FlexibleTimeWindow, FlexibleTimeWindowMode,
    RetryPolicy as SdkRetryPolicy, ScheduleState, Target,
};
use aws_sdk_scheduler::Client;
use jiff::Timestamp;
use myx_engine::ports::timers::is_valid_timer_name;
use myx_engine::ports::PortError;
use myx_engine::{TimerSpec, Timers};

const PORT: &str = "timers";
/// Create-or-update can race with another writer deleting or creating the
/// same name; a few rounds settle it.
const MAX_ROUNDS: usize = 3;

/// Where fired schedules deliver, and with which permissions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleTarget {
    /// The schedule group holding every timer (it must exist).
    pub group: String,
    /// The steps queue's ARN: the schedules' target.
    pub queue_arn: String,
    /// The role EventBridge Scheduler assumes to send to the queue.
    pub role_arn: String,
    /// Where deliveries that keep failing end up.
    pub dead_letter_arn: String,
}

/// How long EventBridge Scheduler keeps retrying a failed delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// 0 to 185.
    pub maximum_retry_attempts: i32,
    /// 60 to 86,400 seconds.
    pub maximum_event_age_seconds: i32,
}

impl Default for RetryPolicy {
    /// The service's maximums: a queue outage should delay a timer, not
    /// drop it to the dead-letter queue.
    fn default() -> Self {
        RetryPolicy {
            maximum_retry_attempts: 185,
            maximum_event_age_seconds: 86_400,
        }
    }
}

/// [`Timers`] on EventBridge Scheduler.
#[derive(Debug, Clone)]
pub struct SchedulerTimers {
    client: Client,
    target: ScheduleTarget,
    retry: RetryPolicy,
}

impl SchedulerTimers {
    pub fn new(config: &SdkConfig, target: ScheduleTarget) -> Self {
        Self::from_client(Client::new(config), target)
    }

    pub fn from_client(client: Client, target: ScheduleTarget) -> Self {
        SchedulerTimers {
            client,
            target,
            retry: RetryPolicy::default(),
        }
    }

    pub fn with_retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    fn sdk_target(&self, input: String) -> Result<Target, PortError> {
        Target::builder()
            .arn(&self.target.queue_arn)
            .role_arn(&self.target.role_arn)
            .input(input)
            .retry_policy(
                SdkRetryPolicy::builder()
                    .maximum_retry_attempts(self.retry.maximum_retry_attempts)
                    .maximum_event_age_in_seconds(self.retry.maximum_event_age_seconds)
                    .build(),
            )
            .dead_letter_config(
                DeadLetterConfig::builder()
                    .arn(&self.target.dead_letter_arn)
                    .build(),
            )
            .build()
            .map_err(|e| PortError::new(PORT, format!("cannot build the target: {e}")))
    }

    async fn create(&self, schedule: &Schedule) -> Result<Outcome, PortError> {
        let result = self
            .client
            .create_schedule()
            .name(&schedule.name)
            .group_name(&self.target.group)
            .schedule_expression(&schedule.expression)
            .schedule_expression_timezone("UTC")
            .flexible_time_window(schedule.window.clone())
            .action_after_completion(ActionAfterCompletion::Delete)
            .state(ScheduleState::Enabled)
            .target(schedule.target.clone())
            .send()
            .await;
        match result {
            Ok(_) => Ok(Outcome::Done),
            Err(e)
                if matches!(
                    e.as_service_error(),
                    Some(CreateScheduleError::ConflictException(_))
                ) =>
            {
                Ok(Outcome::Exists)
            }
            Err(e) => Err(port_error("create", &schedule.name, classify(&e))),
        }
    }

    async fn update(&self, schedule: &Schedule) -> Result<Outcome, PortError> {
        let result = self
            .client
            .update_schedule()
            .name(&schedule.name)
            .group_name(&self.target.group)
            .schedule_expression(&schedule.expression)
            .schedule_expression_timezone("UTC")
            .flexible_time_window(schedule.window.clone())
            .action_after_completion(ActionAfterCompletion::Delete)
            .state(ScheduleState::Enabled)
            .target(schedule.target.clone())
            .send()
            .await;
        match result {
            Ok(_) => Ok(Outcome::Done),
            Err(e)
                if matches!(
                    e.as_service_error(),
                    Some(UpdateScheduleError::ResourceNotFoundException(_))
                ) =>
            {
                Ok(Outcome::Missing)
            }
            Err(e) => Err(port_error("update", &schedule.name, classify(&e))),
        }
    }
}

/// One schedule's request, built once and sent as a create or an update.
struct Schedule {
    name: String,
    expression: String,
    window: FlexibleTimeWindow,
    target: Target,
}

enum Outcome {
    Done,
    /// Create found the name taken: update it.
    Exists,
    /// Update found nothing (it fired or was cancelled meanwhile): create.
    Missing,
}

#[async_trait::async_trait]
impl Timers for SchedulerTimers {
    async fn schedule(&self, timer: TimerSpec) -> Result<(), PortError> {
        check_name(&timer.name)?;
        let input = serde_json::to_string(&timer.message)
            .map_err(|e| PortError::new(PORT, format!("cannot encode the work message: {e}")))?;
        let schedule = Schedule {
            expression: at_expression(timer.due_at),
            window: FlexibleTimeWindow::builder()
                .mode(FlexibleTimeWindowMode::Off)
                .build()
                .map_err(|e| PortError::new(PORT, format!("cannot build the window: {e}")))?,
            target: self.sdk_target(input)?,
            name: timer.name,
        };
        let mut outcome = self.create(&schedule).await?;
        for _ in 0..MAX_ROUNDS {
            outcome = match outcome {
                Outcome::Done => return Ok(()),
                Outcome::Exists => self.update(&schedule).await?,
                Outcome::Missing => self.create(&schedule).await?,
            };
        }
        match outcome {
            Outcome::Done => Ok(()),
            _ => Err(PortError::new(
                PORT,
                format!(
                    "schedule {} kept changing under us; not replaced",
                    schedule.name
                ),
            )),
        }
    }

    async fn cancel(&self, name: &str) -> Result<(), PortError> {
        check_name(name)?;
        let result = self
            .client
            .delete_schedule()
            .name(name)
            .group_name(&self.target.group)
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e)
                if matches!(
                    e.as_service_error(),
                    Some(DeleteScheduleError::ResourceNotFoundException(_))
                ) =>
            {
                Ok(())
            }
            Err(e) => Err(port_error("delete", name, classify(&e))),
        }
    }
}

fn check_name(name: &str) -> Result<(), PortError> {
    if is_valid_timer_name(name) {
        Ok(())
    } else {
        Err(PortError::new(
            PORT,
            format!(
                "invalid timer name {name:?}: 1 to 64 characters of A-Z, a-z, 0-9, '-', '_', '.'"
            ),
        ))
    }
}

fn port_error(action: &str, name: &str, failure: Failure) -> PortError {
    tracing::warn!(action, schedule = name, error = %failure.summary, "EventBridge Scheduler failed");
    PortError::new(
        PORT,
        format!("cannot {action} schedule {name}: {}", failure.summary),
    )
}

/// `at(YYYY-MM-DDThh:mm:ss)` in UTC, rounded *up* to the second: a timer
/// must never fire before its work is due.
pub fn at_expression(due_at: Timestamp) -> String {
    let mut seconds = due_at.as_second();
    if due_at.subsec_nanosecond() > 0 {
        seconds = seconds.saturating_add(1);
    }
    let whole = Timestamp::from_second(seconds).unwrap_or(due_at);
    format!("at({})", whole.strftime("%Y-%m-%dT%H:%M:%S"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_expressions_are_utc_and_round_up() {
        let t: Timestamp = "2026-12-01T09:30:00Z".parse().unwrap();
        assert_eq!(at_expression(t), "at(2026-12-01T09:30:00)");
        let t: Timestamp = "2026-12-31T23:59:59.001Z".parse().unwrap();
        assert_eq!(at_expression(t), "at(2027-01-01T00:00:00)");
        let t: Timestamp = "2026-06-01T12:00:00+02:00".parse().unwrap();
        assert_eq!(at_expression(t), "at(2026-06-01T10:00:00)");
    }

    #[test]
    fn names_are_checked() {
        assert!(check_name("cs-abc_1.2").is_ok());
        for bad in ["", "has space", "slash/", &"x".repeat(65)] {
            let error = check_name(bad).unwrap_err();
            assert!(error.message.contains("invalid timer name"), "{error}");
        }
    }
}
