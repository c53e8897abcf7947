# path: notification.sqs_queue_arns[0]
# expect: Invalid SQS queue ARN
# expect: arn:aws:sqs:eu-west-1:111122223333:alerts
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  notification {
    sqs_queue_arns = ["https://sqs.eu-west-1.amazonaws.com/111122223333/alerts"]
  }
}
