# path: secrets[0]
# expect: Invalid secret
# expect: empty secret name
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  secrets = [""]
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
