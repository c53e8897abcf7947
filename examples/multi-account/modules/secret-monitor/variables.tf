variable "name" {
  description = "Name of the pipeline in this account."
  type        = string
}

variable "secrets" {
  description = "Secrets to watch: names, prefixes ending in *, or ARNs."
  type        = list(string)
  default     = ["prod/*"]
}

variable "allowed_principals" {
  description = "Roles, users, root ARNs or account IDs whose reads never alert."
  type        = list(string)
  default     = []
}

variable "organization_trail" {
  description = "Create an organization trail (management account only)."
  type        = bool
  default     = false
}

variable "existing_log_group_name" {
  description = "Reuse this log group of an existing trail instead of creating a trail."
  type        = string
  default     = null
}

variable "alert_queue_arns" {
  description = "SQS queues that receive alerts."
  type        = list(string)
  default     = []
}

variable "alert_emails" {
  description = "Email addresses that receive alerts."
  type        = list(string)
  default     = []
}

variable "tags" {
  description = "Extra tags for every component."
  type        = map(string)
  default     = {}
}
