# path: watched_events[0]
# expect: Invalid watched event
# expect: Did you mean "BatchGetSecretValue"
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  watched_events = ["batchgetsecretvalue"]
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
