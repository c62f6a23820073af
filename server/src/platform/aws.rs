//! Clients for the AWS backends (`aws` feature), from the SDK's standard
//! configuration chain (`AWS_ENDPOINT_URL`, `AWS_REGION`, credentials…), so
//! the same binary talks to moto locally and to AWS in production.

use aws_config::BehaviorVersion;

#[derive(Clone)]
pub struct Clients {
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub eventbridge: aws_sdk_eventbridge::Client,
    pub sqs: aws_sdk_sqs::Client,
}

impl Clients {
    fn from_config(config: &aws_config::SdkConfig) -> Self {
        Self {
            dynamodb: aws_sdk_dynamodb::Client::new(config),
            eventbridge: aws_sdk_eventbridge::Client::new(config),
            sqs: aws_sdk_sqs::Client::new(config),
        }
    }
}

/// Clients configured by the environment, as in production.
pub async fn clients_from_env() -> Clients {
    Clients::from_config(&aws_config::load_defaults(BehaviorVersion::latest()).await)
}

/// Clients for a local stand-in (moto) at `endpoint`, with throw-away
/// credentials, whatever the environment says: tests never reach real AWS.
pub fn test_clients(endpoint: &str) -> Clients {
    let config = aws_config::SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_dynamodb::config::SharedCredentialsProvider::new(
            aws_sdk_dynamodb::config::Credentials::new("test", "test", None, None, "tbs-tests"),
        ))
        .build();
    Clients::from_config(&config)
}
