# path: tags["AWS:Owner"]
# expect: Reserved tag key
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  tags = {
    team        = "security"
    "AWS:Owner" = "me"
  }
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
