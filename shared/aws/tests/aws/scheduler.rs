//! Timers on EventBridge Scheduler (moto): each schedule is read back with
//! GetSchedule. moto never fires schedules, so a test "fires" one itself by
//! sending its target input to the queue, as the service would.

use aws_sdk_scheduler::operation::get_schedule::{GetScheduleError, GetScheduleOutput};
use aws_sdk_scheduler::types::{ActionAfterCompletion, FlexibleTimeWindowMode, ScheduleState};
use jiff::Timestamp;
use myx_aws::{parse_work_message, RetryPolicy, ScheduleTarget, SchedulerTimers};
use myx_emulator::TestQueue;
use myx_engine::{TimerSpec, Timers, WorkMessage};

const ROLE_ARN: &str = "arn:aws:iam::123456789012:role/myx-scheduler";

struct Fixture {
    timers: SchedulerTimers,
    scheduler: aws_sdk_scheduler::Client,
    sqs: aws_sdk_sqs::Client,
    group: String,
    queue: TestQueue,
}

async fn fixture() -> Fixture {
    let config = myx_emulator::sdk_config();
    let group = myx_emulator::create_scheduler_group(&config).await;
    let queue = myx_emulator::create_queue_with_dlq(&config, 3).await;
    let target = ScheduleTarget {
        group: group.clone(),
        queue_arn: queue.arn.clone(),
        role_arn: ROLE_ARN.into(),
        dead_letter_arn: queue.dlq_arn.clone(),
    };
    Fixture {
        timers: SchedulerTimers::new(&config, target).with_retry_policy(RetryPolicy {
            maximum_retry_attempts: 7,
            maximum_event_age_seconds: 3_600,
        }),
        scheduler: aws_sdk_scheduler::Client::new(&config),
        sqs: aws_sdk_sqs::Client::new(&config),
        group,
        queue,
    }
}

impl Fixture {
    async fn get(&self, name: &str) -> Result<GetScheduleOutput, GetScheduleError> {
        self.scheduler
            .get_schedule()
            .group_name(&self.group)
            .name(name)
            .send()
            .await
            .map_err(|e| e.into_service_error())
    }
}

fn contact_step(step: &str) -> WorkMessage {
    WorkMessage::ContactStep {
        tenant: "t1".into(),
        event: "evt_1".into(),
        contact: "con_1".into(),
        step: step.into(),
        channel: myx_core::Channel::Email,
        schedule_version: 3,
    }
}

fn at(text: &str) -> Timestamp {
    text.parse().expect("a timestamp")
}

#[tokio::test]
async fn schedule_creates_a_one_shot_schedule_that_delivers_the_message() {
    let f = fixture().await;
    let name = format!("cs-{}", uuid_suffix());
    let message = contact_step("reminder");
    f.timers
        .schedule(TimerSpec {
            name: name.clone(),
            due_at: at("2030-03-04T05:06:07.250Z"),
            message: message.clone(),
        })
        .await
        .expect("scheduled");

    let schedule = f.get(&name).await.expect("the schedule exists");
    assert_eq!(
        schedule.schedule_expression(),
        Some("at(2030-03-04T05:06:08)"),
        "UTC, rounded up to the second"
    );
    assert_eq!(schedule.schedule_expression_timezone(), Some("UTC"));
    assert_eq!(schedule.group_name(), Some(f.group.as_str()));
    assert_eq!(schedule.state(), Some(&ScheduleState::Enabled));
    assert_eq!(
        schedule.flexible_time_window().map(|w| w.mode()),
        Some(&FlexibleTimeWindowMode::Off)
    );
    assert_eq!(
        schedule.action_after_completion(),
        Some(&ActionAfterCompletion::Delete)
    );
    let target = schedule.target().expect("a target");
    assert_eq!(target.arn(), f.queue.arn);
    assert_eq!(target.role_arn(), ROLE_ARN);
    assert_eq!(
        target.dead_letter_config().and_then(|d| d.arn()),
        Some(f.queue.dlq_arn.as_str())
    );
    let retry = target.retry_policy().expect("a retry policy");
    assert_eq!(retry.maximum_retry_attempts(), Some(7));
    assert_eq!(retry.maximum_event_age_in_seconds(), Some(3_600));
    let input = target.input().expect("an input");
    assert_eq!(parse_work_message(input).expect("a work message"), message);

    // Fire it as the service would: the input becomes the queue message.
    f.sqs
        .send_message()
        .queue_url(&f.queue.url)
        .message_body(input)
        .send()
        .await
        .expect("sent");
    let received = f
        .sqs
        .receive_message()
        .queue_url(&f.queue.url)
        .wait_time_seconds(1)
        .send()
        .await
        .expect("received");
    let bodies: Vec<&str> = received
        .messages()
        .iter()
        .filter_map(|m| m.body())
        .collect();
    assert_eq!(bodies.len(), 1);
    assert_eq!(parse_work_message(bodies[0]).unwrap(), message);
}

#[tokio::test]
async fn scheduling_the_same_name_again_replaces_the_schedule() {
    let f = fixture().await;
    let name = format!("es-{}", uuid_suffix());
    f.timers
        .schedule(TimerSpec {
            name: name.clone(),
            due_at: at("2030-01-01T10:00:00Z"),
            message: contact_step("first"),
        })
        .await
        .expect("scheduled");
    let moved = WorkMessage::EventStep {
        tenant: "t1".into(),
        event: "evt_1".into(),
        step: "second".into(),
        schedule_version: 4,
        after: None,
    };
    f.timers
        .schedule(TimerSpec {
            name: name.clone(),
            due_at: at("2030-02-01T11:30:00Z"),
            message: moved.clone(),
        })
        .await
        .expect("replaced");

    let schedule = f.get(&name).await.expect("still there");
    assert_eq!(
        schedule.schedule_expression(),
        Some("at(2030-02-01T11:30:00)")
    );
    let target = schedule.target().expect("a target");
    assert_eq!(parse_work_message(target.input().unwrap()).unwrap(), moved);
    assert_eq!(
        target.dead_letter_config().and_then(|d| d.arn()),
        Some(f.queue.dlq_arn.as_str())
    );
    assert_eq!(
        schedule.flexible_time_window().map(|w| w.mode()),
        Some(&FlexibleTimeWindowMode::Off)
    );
    assert_eq!(schedule.state(), Some(&ScheduleState::Enabled));

    let listed = f
        .scheduler
        .list_schedules()
        .group_name(&f.group)
        .send()
        .await
        .expect("listed");
    let names: Vec<&str> = listed.schedules().iter().filter_map(|s| s.name()).collect();
    assert_eq!(names, [name.as_str()], "one schedule, not two");
}

#[tokio::test]
async fn cancel_deletes_and_cancelling_a_missing_timer_is_fine() {
    let f = fixture().await;
    let name = format!("cs-{}", uuid_suffix());
    f.timers
        .schedule(TimerSpec {
            name: name.clone(),
            due_at: at("2030-01-01T10:00:00Z"),
            message: contact_step("first"),
        })
        .await
        .expect("scheduled");
    f.timers.cancel(&name).await.expect("cancelled");
    let result = f.get(&name).await;
    assert!(
        matches!(result, Err(GetScheduleError::ResourceNotFoundException(_))),
        "{result:?}"
    );
    f.timers.cancel(&name).await.expect("already gone is fine");
    f.timers
        .cancel(&format!("never-{}", uuid_suffix()))
        .await
        .expect("never made is fine");
}

#[tokio::test]
async fn invalid_names_are_rejected_before_calling_the_service() {
    let f = fixture().await;
    for name in ["has space", "", &"x".repeat(65), "slash/name"] {
        let error = f
            .timers
            .schedule(TimerSpec {
                name: name.to_string(),
                due_at: at("2030-01-01T10:00:00Z"),
                message: contact_step("first"),
            })
            .await
            .expect_err("an invalid name");
        assert!(error.message.contains("invalid timer name"), "{error}");
        let error = f.timers.cancel(name).await.expect_err("an invalid name");
        assert!(error.message.contains("invalid timer name"), "{error}");
    }
    let listed = f
        .scheduler
        .list_schedules()
        .group_name(&f.group)
        .send()
        .await
        .expect("listed");
    assert!(listed.schedules().is_empty());
}

#[tokio::test]
async fn a_missing_group_is_an_error() {
    let config = myx_emulator::sdk_config();
    let queue = myx_emulator::create_queue_with_dlq(&config, 3).await;
    let timers = SchedulerTimers::new(
        &config,
        ScheduleTarget {
            group: myx_emulator::unique_name("no-such-group"),
            queue_arn: queue.arn,
            role_arn: ROLE_ARN.into(),
            dead_letter_arn: queue.dlq_arn,
        },
    );
    let result = timers
        .schedule(TimerSpec {
            name: "cs-x".into(),
            due_at: at("2030-01-01T10:00:00Z"),
            message: contact_step("first"),
        })
        .await;
    let error = result.expect_err("the group does not exist");
    assert_eq!(error.port, "timers");
    assert!(error.message.contains("cs-x"), "{error}");
}

fn uuid_suffix() -> String {
    myx_emulator::unique_name("t")
}
