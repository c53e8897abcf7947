# path: alarm.namespace
# expect: Invalid metric namespace
# expect: ':'
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  alarm {
    namespace = "Security:Metrics"
  }
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
