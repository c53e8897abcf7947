# path: name
# expect: Invalid pipeline name
# expect: adjacent hyphens
resource "secretmonitor_pipeline" "this" {
  name = "prod--x"
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
