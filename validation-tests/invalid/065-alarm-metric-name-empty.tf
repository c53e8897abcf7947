# path: alarm.metric_name
# expect: Invalid metric name
# expect: 0 characters
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  alarm {
    metric_name = ""
  }
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
