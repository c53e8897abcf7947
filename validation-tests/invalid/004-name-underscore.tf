# path: name
# expect: Invalid pipeline name
# expect: '_'
resource "secretmonitor_pipeline" "this" {
  name = "prod_secrets"
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
