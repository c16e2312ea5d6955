# Consul API gateway on Nomad (HashiCorp's pattern): a prestart task registers the gateway
# and writes Envoy's bootstrap; the main task runs Envoy. The job runs in Nomad namespace
# "ingress", whose task identities get Consul's builtin/api-gateway templated policy; the
# job name is the gateway's service and config-entry name.
#   nomad job run -var datacenter=dc1 -var consul_ca_pem="$(cat ca.pem)" api-gateway.nomad.hcl

variable "datacenter" {
  type = string
}

variable "namespace" {
  type    = string
  default = "ingress"
}

variable "listener_port" {
  type        = number
  default     = 8080
  description = "The api-gateway entry's listener port: static on the host and the LB's port"
}

variable "consul_image" {
  type    = string
  default = "hashicorp/consul:1.22.6"
}

variable "envoy_image" {
  type    = string
  default = "envoyproxy/envoy:v1.34.1"
}

variable "consul_ca_pem" {
  type        = string
  description = "CA certificate that signed the Consul agents' certificates (public)"
}

job "api-gateway" {
  namespace   = var.namespace
  datacenters = [var.datacenter]
  type        = "service"

  group "gateway" {
    count = 1

    network {
      mode = "bridge"
      port "http" {
        static = var.listener_port
        to     = var.listener_port
      }
    }

    # Workload identity: Nomad logs in to Consul for the tasks (task identity).
    consul {}

    update {
      max_parallel     = 1
      min_healthy_time = "10s"
      healthy_deadline = "5m"
      auto_revert      = true
    }

    task "setup" {
      driver = "docker"

      lifecycle {
        hook    = "prestart"
        sidecar = false
      }

      config {
        image   = var.consul_image
        command = "/bin/sh"
        args = [
          "-c",
          "consul connect envoy -gateway api -register -deregister-after-critical 10s -service ${NOMAD_JOB_NAME} -admin-bind 127.0.0.1:19000 -ignore-envoy-compatibility -bootstrap > ${NOMAD_ALLOC_DIR}/envoy_bootstrap.json",
        ]
      }

      template {
        data        = var.consul_ca_pem
        destination = "secrets/consul-ca.pem"
      }

      # This task and Envoy run in the group's bridge namespace: they reach the node's Consul
      # agent by the node IP, which no certificate carries. The agent's listeners present the
      # project-CA client certificate, verified here under the DNS name it carries
      # (CONSUL_TLS_SERVER_NAME, the Consul API client's TLS server name). Envoy's xDS stream
      # uses gRPC TLS (8503; the bootstrap pins the CA, Envoy checks the chain); plaintext
      # gRPC stays on the agent's loopback.
      env {
        CONSUL_HTTP_ADDR       = "https://${attr.unique.network.ip-address}:8501"
        CONSUL_TLS_SERVER_NAME = "client.${var.datacenter}.consul"
        CONSUL_CACERT          = "${NOMAD_SECRETS_DIR}/consul-ca.pem"
        CONSUL_GRPC_ADDR       = "https://${attr.unique.network.ip-address}:8503"
        CONSUL_GRPC_CACERT     = "${NOMAD_SECRETS_DIR}/consul-ca.pem"
        CONSUL_HTTP_TOKEN_FILE = "${NOMAD_SECRETS_DIR}/consul_token"
      }

      resources {
        cpu    = 100
        memory = 64
      }
    }

    task "api" {
      driver = "docker"

      config {
        image = var.envoy_image
        args = [
          "--config-path", "${NOMAD_ALLOC_DIR}/envoy_bootstrap.json",
          "--log-level", "info",
          "--disable-hot-restart",
        ]
      }

      resources {
        cpu    = 200
        memory = 128
      }
    }
  }
}
