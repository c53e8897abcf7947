# Twenty pipelines in one configuration, applied and destroyed with
# -parallelism=20 by scripts/acceptance.sh: the provider's shared clients and
# per-pipeline state must not interfere.
terraform {
  required_providers {
    secretmonitor = {
      source = "secretmonitor/secretmonitor"
    }
  }
}

variable "pipelines" {
  type    = number
  default = 20
}

provider "secretmonitor" {
  s3_use_path_style = true
}

resource "secretmonitor_pipeline" "team" {
  count   = var.pipelines
  name    = format("many-%02d", count.index)
  secrets = [format("team-%02d/*", count.index)]

  notification {
    emails = [format("team-%02d@example.com", count.index)]
  }

  kms {
    deletion_window_days = 7
  }
}

output "trails_logging" {
  value = alltrue(secretmonitor_pipeline.team[*].trail_logging)
}
