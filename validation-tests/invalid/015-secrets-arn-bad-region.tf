# path: secrets[0]
# expect: Invalid secret
# expect: "useast1" is not a region
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  secrets = ["arn:aws:secretsmanager:useast1:111122223333:secret:db-AbCdEf"]
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
