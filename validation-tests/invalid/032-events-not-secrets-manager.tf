# path: watched_events[1]
# expect: Invalid watched event
# expect: not a Secrets Manager operation
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  watched_events = ["GetSecretValue", "GetParameter"]
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
