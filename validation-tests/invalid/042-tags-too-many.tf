# path: tags
# expect: Too many tags
# expect: 51 tags
# expect: default_tags
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  tags = { for i in range(51) : "key-${i}" => "value" }
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
