# path: alarm.namespace
# expect: Invalid metric namespace
# expect: reserved
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  alarm {
    namespace = "AWS/SecretsManager"
  }
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
