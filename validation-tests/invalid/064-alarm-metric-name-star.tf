# path: alarm.metric_name
# expect: Invalid metric name
# expect: '*'
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  alarm {
    metric_name = "reads*"
  }
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
