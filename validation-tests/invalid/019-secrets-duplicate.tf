# path: secrets[1]
# expect: Duplicate entry
# expect: repeats secrets[0]
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  secrets = ["prod/*", "prod/*"]
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
