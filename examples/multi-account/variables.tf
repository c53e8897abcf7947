variable "name" {
  description = "Pipeline name, the same in every account."
  type        = string
  default     = "org-secrets"
}

variable "region" {
  description = "AWS region of every pipeline."
  type        = string
  default     = "us-east-1"
}

variable "accounts" {
  description = "Account IDs of the management account and the two member accounts."
  type = object({
    management = string
    payments   = string
    data       = string
  })
  default = {
    management = "111111111111"
    payments   = "222222222222"
    data       = "333333333333"
  }
}

variable "deployer_role" {
  description = "Role the pipeline deployer assumes in each account."
  type        = string
  default     = "secretmonitor-deployer"
}

variable "member_log_group_name" {
  description = "Log group the member accounts' existing trail delivers to."
  type        = string
  default     = "aws-cloudtrail-logs-member"
}

variable "alert_queue_arns" {
  description = "SQS queues that receive every account's alerts."
  type        = list(string)
  default     = []
}

variable "s3_use_path_style" {
  description = "Path-style S3 addressing, for emulators such as LocalStack."
  type        = bool
  default     = false
}
