# path: name
# expect: Invalid pipeline name
# expect: starts or ends with a hyphen
resource "secretmonitor_pipeline" "this" {
  name = "-prod"
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
