resource "terraform_data" "later" {
  input = "computed at apply"
}

resource "secretmonitor_pipeline" "this" {
  name               = "prod-secrets"
  secrets            = ["prod/${terraform_data.later.output}"]
  allowed_principals = [terraform_data.later.output]
  tags               = { team = terraform_data.later.output }
  alarm {
    threshold = length(terraform_data.later.output)
  }
  notification {
    sqs_queue_arns = [terraform_data.later.output]
  }
}
