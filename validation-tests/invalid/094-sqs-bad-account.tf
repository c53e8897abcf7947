# path: notification.sqs_queue_arns[0]
# expect: Invalid SQS queue ARN
# expect: 12-digit account ID
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:123:alerts"]
  }
}
