# path: watched_events[0]
# expect: Invalid watched event
# expect: Did you mean "GetSecretValue"
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  watched_events = ["secretsmanager:GetSecretValue"]
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
