# path: tags["aws:team"]
# expect: Reserved tag key
# expect: aws:
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  tags = {
    "aws:team" = "security"
  }
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
