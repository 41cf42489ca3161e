// A Linux VM behind an NSG that leaves SSH and RDP open to the whole internet,
// plus a jump-box NSG from a local module that opens SSH to what the caller passes.
// Expected zt_net_001 findings:
//   - web-nsg rule "allow-ssh" (port 22, built by the for loop over `inboundRules`)
//   - web-nsg/allow-rdp (port 3389, a child rule resource declared with `parent:`)
//   - jump-nsg rule "allow-ssh" (port 22, in modules/jumpbox.bicep, source from the caller)

param location string = 'westeurope'

@description('Where administrators connect from')
param adminSource string = '0.0.0.0/0'

var prefix = 'web'
var inboundRules = [
  {
    name: 'allow-https'
    port: '443'
    source: 'Internet'
  }
  {
    name: 'allow-ssh'
    port: '22'
    source: adminSource
  }
]

resource nsg 'Microsoft.Network/networkSecurityGroups@2023-05-01' = {
  name: '${prefix}-nsg'
  location: location
  properties: {
    securityRules: [for (rule, i) in inboundRules: {
      name: rule.name
      properties: {
        priority: 100 + i * 10
        direction: 'Inbound'
        access: 'Allow'
        protocol: 'Tcp'
        sourcePortRange: '*'
        destinationPortRange: rule.port
        sourceAddressPrefix: rule.source
        destinationAddressPrefix: '*'
      }
    }]
  }
}

resource rdpRule 'Microsoft.Network/networkSecurityGroups/securityRules@2023-05-01' = {
  parent: nsg
  name: 'allow-rdp'
  properties: {
    priority: 120
    direction: 'Inbound'
    access: 'Allow'
    protocol: '*'
    sourcePortRange: '*'
    destinationPortRanges: [
      '3380-3390'
    ]
    sourceAddressPrefix: 'Internet'
    destinationAddressPrefix: '*'
  }
}

resource vnet 'Microsoft.Network/virtualNetworks@2023-05-01' = {
  name: '${prefix}-vnet'
  location: location
  properties: {
    addressSpace: {
      addressPrefixes: [
        '10.0.0.0/16'
      ]
    }
    subnets: [
      {
        name: 'app'
        properties: {
          addressPrefix: '10.0.1.0/24'
          networkSecurityGroup: {
            id: nsg.id
          }
        }
      }
    ]
  }
}

resource pip 'Microsoft.Network/publicIPAddresses@2023-05-01' = {
  name: '${prefix}-pip'
  location: location
  sku: {
    name: 'Standard'
  }
  properties: {
    publicIPAllocationMethod: 'Static'
  }
}

resource nic 'Microsoft.Network/networkInterfaces@2023-05-01' = {
  name: '${prefix}-nic'
  location: location
  properties: {
    ipConfigurations: [
      {
        name: 'internal'
        properties: {
          subnet: {
            id: '${vnet.id}/subnets/app'
          }
          privateIPAllocationMethod: 'Dynamic'
          publicIPAddress: {
            id: pip.id
          }
        }
      }
    ]
  }
}

resource vm 'Microsoft.Compute/virtualMachines@2023-03-01' = {
  name: '${prefix}-vm'
  location: location
  properties: {
    hardwareProfile: {
      vmSize: 'Standard_B2s'
    }
    osProfile: {
      computerName: '${prefix}-vm'
      adminUsername: 'azureuser'
      linuxConfiguration: {
        disablePasswordAuthentication: true
        ssh: {
          publicKeys: [
            {
              path: '/home/azureuser/.ssh/authorized_keys'
              keyData: 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC0example'
            }
          ]
        }
      }
    }
    storageProfile: {
      imageReference: {
        publisher: 'Canonical'
        offer: '0001-com-ubuntu-server-jammy'
        sku: '22_04-lts-gen2'
        version: 'latest'
      }
    }
    networkProfile: {
      networkInterfaces: [
        {
          id: nic.id
        }
      ]
    }
  }
}

module jumpbox 'modules/jumpbox.bicep' = {
  name: 'jumpbox'
  params: {
    nsgName: 'jump-nsg'
    location: location
    sshSource: adminSource
  }
}
