# path: tags["team"]
# expect: Invalid tag value
# expect: 257 characters
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  tags = {
    team = join("", [for i in range(257) : "x"])
  }
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
