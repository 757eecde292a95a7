# berth conformance: one aws_lightsail_database through create, in-place
# updates (apply_immediately = true), tag changes and a destroy without a final
# snapshot. Every changing attribute is a variable the suite sets per apply.
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "5.100.0"
    }
  }
}

variable "endpoint" { type = string }
# berth's CA bundle when the endpoint is HTTPS (null: the system's trust store).
variable "ca_bundle" {
  type    = string
  default = null
}
variable "access_key" { type = string }
variable "secret_key" {
  type      = string
  sensitive = true
}
variable "master_password" {
  type      = string
  sensitive = true
}
variable "publicly_accessible" {
  type    = bool
  default = false
}
# Off at create: the provider then calls UpdateRelationalDatabase
# (disableBackupRetention, applyImmediately) between its create waits.
variable "backup_retention_enabled" {
  type    = bool
  default = false
}
variable "preferred_backup_window" {
  type    = string
  default = "06:00-06:30"
}
variable "preferred_maintenance_window" {
  type    = string
  default = "tue:04:30-tue:05:00"
}
variable "tags" {
  type    = map(string)
  default = { env = "a", team = "db" }
}

provider "aws" {
  region                      = "us-east-1"
  access_key                  = var.access_key
  secret_key                  = var.secret_key
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  custom_ca_bundle            = var.ca_bundle
  endpoints {
    lightsail = var.endpoint
  }
}

resource "aws_lightsail_database" "main" {
  relational_database_name     = "tf-main"
  availability_zone            = "us-east-1a"
  master_database_name         = "app"
  master_username              = "tfadmin"
  master_password              = var.master_password
  blueprint_id                 = "postgres_17"
  bundle_id                    = "micro_2_0"
  preferred_backup_window      = var.preferred_backup_window
  preferred_maintenance_window = var.preferred_maintenance_window
  publicly_accessible          = var.publicly_accessible
  backup_retention_enabled     = var.backup_retention_enabled
  apply_immediately            = true
  skip_final_snapshot          = true
  tags                         = var.tags
}

output "port" {
  value = aws_lightsail_database.main.master_endpoint_port
}
output "address" {
  value = aws_lightsail_database.main.master_endpoint_address
}
output "arn" {
  value = aws_lightsail_database.main.arn
}
output "created_at" {
  value = aws_lightsail_database.main.created_at
}
output "engine" {
  value = aws_lightsail_database.main.engine
}
output "engine_version" {
  value = aws_lightsail_database.main.engine_version
}
output "ca_certificate_identifier" {
  value = aws_lightsail_database.main.ca_certificate_identifier
}
output "ram_size" {
  value = aws_lightsail_database.main.ram_size
}
output "tags_all" {
  value = aws_lightsail_database.main.tags_all
}
