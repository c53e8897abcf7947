# path: watched_events[1]
# expect: Duplicate entry
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  watched_events = ["GetSecretValue", "GetSecretValue"]
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
