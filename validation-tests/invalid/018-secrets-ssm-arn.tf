# path: secrets[0]
# expect: Invalid secret
# expect: arn:PARTITION:secretsmanager
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  secrets = ["arn:aws:ssm:us-east-1:111122223333:parameter/db"]
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
