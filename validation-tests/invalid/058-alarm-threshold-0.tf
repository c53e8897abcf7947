# path: alarm.threshold
# expect: Threshold below 1
# expect: threshold = 0
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  alarm {
    threshold = 0
  }
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
