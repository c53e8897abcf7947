# path: notification.sqs_queue_arns[0]
# expect: Invalid SQS queue ARN
# expect: FIFO
resource "terraform_data" "later" {
  input = "arn:aws:sqs:us-east-1:111122223333:alerts.fifo"
}

resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  notification {
    sqs_queue_arns = [terraform_data.later.output]
  }
}
