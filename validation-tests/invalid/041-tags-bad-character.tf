# path: tags["team"]
# expect: Invalid tag value
# expect: '&'
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  tags = {
    team = "sec&ops"
  }
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
