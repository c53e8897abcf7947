# path: watched_events[1]
# expect: Watched event can never match
# expect: ListSecrets
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  secrets        = ["prod/*"]
  watched_events = ["GetSecretValue", "ListSecrets"]
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
