//! `tbs infra apply` for the event hub: the bus, and per consumer a DLQ, a
//! queue with its redrive policy and access policy, a rule and its target.

use super::backend;
use crate::platform::hub::{HubError, MAX_RECEIVES, Subscription, VISIBILITY_TIMEOUT};
use aws_sdk_eventbridge::types::Target;
use aws_sdk_sqs::types::QueueAttributeName;
use serde_json::json;

/// Creates (idempotently) the bus, and per subscription the DLQ, the queue
/// with its redrive policy, the rule and its target. Returns what it did.
pub async fn apply(
    clients: &crate::platform::aws::Clients,
    prefix: &str,
    subscriptions: &[Subscription],
) -> Result<Vec<String>, HubError> {
    let mut done = Vec::new();
    let bus = format!("{prefix}events");
    match clients.eventbridge.create_event_bus().name(&bus).send().await {
        Ok(_) => done.push(format!("created event bus {bus}")),
        Err(e) if e.as_service_error().is_some_and(|s| s.is_resource_already_exists_exception()) => {}
        Err(e) => return Err(backend(aws_sdk_eventbridge::error::DisplayErrorContext(e))),
    }
    for sub in subscriptions {
        let name = format!("{prefix}{}", sub.consumer);
        consumer_queue(clients, &bus, &name, sub).await?;
        done.push(format!(
            "consumer {}: queue {name} (+ DLQ after {MAX_RECEIVES} receives), rule on {:?}",
            sub.consumer, sub.event_types
        ));
    }
    Ok(done)
}

/// The consumer's queue `name` with its dead-letter queue, and the rule on
/// `bus` that delivers the subscription's events to it (and only to it).
async fn consumer_queue(
    clients: &crate::platform::aws::Clients,
    bus: &str,
    name: &str,
    sub: &Subscription,
) -> Result<(), HubError> {
    let (eb, sqs) = (&clients.eventbridge, &clients.sqs);
    let dlq = sqs.create_queue().queue_name(format!("{name}-dlq")).send().await.map_err(backend)?;
    let (_, dlq_arn) = arn_of(sqs, dlq.queue_url().unwrap_or_default()).await?;
    let redrive = json!({ "deadLetterTargetArn": dlq_arn, "maxReceiveCount": MAX_RECEIVES.to_string() }).to_string();
    let queue = sqs
        .create_queue()
        .queue_name(name)
        .attributes(QueueAttributeName::VisibilityTimeout, VISIBILITY_TIMEOUT.as_secs().to_string())
        .send()
        .await
        .map_err(backend)?;
    let (url, arn) = arn_of(sqs, queue.queue_url().unwrap_or_default()).await?;
    let rule = eb
        .put_rule()
        .name(name)
        .event_bus_name(bus)
        .event_pattern(json!({ "detail-type": sub.event_types }).to_string())
        .send()
        .await
        .map_err(backend)?;
    // Let EventBridge (this rule only) deliver to the queue; set the redrive policy.
    let policy = json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Service": "events.amazonaws.com" },
            "Action": "sqs:SendMessage",
            "Resource": arn,
            "Condition": { "ArnEquals": { "aws:SourceArn": rule.rule_arn().unwrap_or_default() } }
        }]
    });
    sqs.set_queue_attributes()
        .queue_url(&url)
        .attributes(QueueAttributeName::RedrivePolicy, redrive)
        .attributes(QueueAttributeName::Policy, policy.to_string())
        .send()
        .await
        .map_err(backend)?;
    let target = Target::builder().id(format!("{}-queue", sub.consumer)).arn(&arn).build().map_err(backend)?;
    eb.put_targets().rule(name).event_bus_name(bus).targets(target).send().await.map_err(backend)?;
    Ok(())
}

/// The queue at `url` and its ARN.
async fn arn_of(sqs: &aws_sdk_sqs::Client, url: &str) -> Result<(String, String), HubError> {
    let out = sqs
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .map_err(backend)?;
    let arn = out
        .attributes()
        .and_then(|a| a.get(&QueueAttributeName::QueueArn))
        .cloned()
        .ok_or_else(|| backend("queue without ARN"))?;
    Ok((url.to_string(), arn))
}
