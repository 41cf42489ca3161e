// Bicep source twin of samples/arm/fixed/symbolic-vm.json (its languageVersion 2.0
// compilation): the jump VMs reachable only from the administrators' networks.
// JIT covers RDP/WinRM and an activity-log alert watches NSG rule writes. Expected: no finding.

param location string = resourceGroup().location
param prefix string = 'jump'
param vmCount int = 2
param allowedSshSource string = '10.20.0.0/24'
param deployBastion bool = false

@secure()
param adminPassword string

var nsgName = '${prefix}-nsg'

resource vnet 'Microsoft.Network/virtualNetworks@2023-04-01' existing = {
  name: 'hub-vnet'
}

resource nsg 'Microsoft.Network/networkSecurityGroups@2023-04-01' = {
  name: nsgName
  location: location
  properties: {
    securityRules: [
      {
        name: 'allow-ssh'
        properties: {
          priority: 100
          direction: 'Inbound'
          access: 'Allow'
          protocol: 'Tcp'
          sourcePortRange: '*'
          sourceAddressPrefix: allowedSshSource
          destinationPortRange: '22'
          destinationAddressPrefix: '*'
        }
      }
      {
        name: 'allow-https'
        properties: {
          priority: 110
          direction: 'Inbound'
          access: 'Allow'
          protocol: 'Tcp'
          sourcePortRange: '*'
          sourceAddressPrefix: 'Internet'
          destinationPortRange: '443'
          destinationAddressPrefix: '*'
        }
      }
    ]
  }
}

resource rdpRule 'Microsoft.Network/networkSecurityGroups/securityRules@2023-04-01' = {
  parent: nsg
  name: 'allow-rdp'
  properties: {
    priority: 120
    direction: 'Inbound'
    access: 'Allow'
    protocol: 'Tcp'
    sourcePortRange: '*'
    sourceAddressPrefixes: [
      '10.20.0.0/24'
      '10.30.0.0/24'
    ]
    destinationPortRanges: [
      '3389'
      '5985-5986'
    ]
    destinationAddressPrefix: '*'
  }
}

resource bastionPip 'Microsoft.Network/publicIPAddresses@2023-04-01' = if (deployBastion) {
  name: '${prefix}-bastion-pip'
  location: location
  sku: {
    name: 'Standard'
  }
  properties: {
    publicIPAllocationMethod: 'Static'
  }
}

resource pips 'Microsoft.Network/publicIPAddresses@2023-04-01' = [for i in range(0, vmCount): {
  name: '${prefix}-${i}-pip'
  location: location
  sku: {
    name: 'Standard'
  }
  properties: {
    publicIPAllocationMethod: 'Static'
  }
}]

resource nics 'Microsoft.Network/networkInterfaces@2023-04-01' = [for i in range(0, vmCount): {
  name: '${prefix}-${i}-nic'
  location: location
  properties: {
    networkSecurityGroup: {
      id: nsg.id
    }
    ipConfigurations: [
      {
        name: 'ipconfig1'
        properties: {
          privateIPAllocationMethod: 'Dynamic'
          subnet: {
            id: '${vnet.id}/subnets/jump'
          }
          publicIPAddress: {
            id: pips[i].id
          }
        }
      }
    ]
  }
}]

resource vms 'Microsoft.Compute/virtualMachines@2023-03-01' = [for i in range(0, vmCount): {
  name: '${prefix}-${i}'
  location: location
  properties: {
    hardwareProfile: {
      vmSize: 'Standard_B2s'
    }
    osProfile: {
      computerName: '${prefix}${i}'
      adminUsername: 'azureuser'
      adminPassword: adminPassword
    }
    storageProfile: {
      imageReference: {
        publisher: 'MicrosoftWindowsServer'
        offer: 'WindowsServer'
        sku: '2022-datacenter-azure-edition'
        version: 'latest'
      }
      osDisk: {
        createOption: 'FromImage'
      }
    }
    networkProfile: {
      networkInterfaces: [
        {
          id: nics[i].id
        }
      ]
    }
  }
}]

// Just-in-time access for every jump box: RDP and WinRM open only on approved request.
resource jit 'Microsoft.Security/locations/jitNetworkAccessPolicies@2020-01-01' = {
  name: '${location}/${prefix}-jit'
  kind: 'Basic'
  properties: {
    virtualMachines: [for i in range(0, vmCount): {
      id: vms[i].id
      ports: [
        {
          number: 3389
          protocol: 'TCP'
          allowedSourceAddressPrefixes: [
            '10.20.0.0/24'
            '10.30.0.0/24'
          ]
          maxRequestAccessDuration: 'PT1H'
        }
        {
          number: 5986
          protocol: 'TCP'
          allowedSourceAddressPrefix: '10.20.0.0/24'
          maxRequestAccessDuration: 'PT1H'
        }
      ]
    }]
  }
}

resource secops 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: 'secops'
  location: 'Global'
  properties: {
    groupShortName: 'secops'
    enabled: true
    emailReceivers: [
      {
        name: 'secops'
        emailAddress: 'secops@example.com'
        useCommonAlertSchema: true
      }
    ]
  }
}

// Any NSG rule written anywhere in the subscription pages the security team.
resource nsgRuleWrite 'Microsoft.Insights/activityLogAlerts@2020-10-01' = {
  name: 'nsg-rule-write'
  location: 'Global'
  properties: {
    enabled: true
    description: 'An NSG rule or an NSG was written anywhere in the subscription'
    scopes: [
      subscription().id
    ]
    condition: {
      allOf: [
        {
          field: 'category'
          equals: 'Administrative'
        }
        {
          anyOf: [
            {
              field: 'operationName'
              equals: 'Microsoft.Network/networkSecurityGroups/write'
            }
            {
              field: 'operationName'
              equals: 'Microsoft.Network/networkSecurityGroups/securityRules/write'
            }
          ]
        }
      ]
    }
    actions: {
      actionGroups: [
        {
          actionGroupId: secops.id
        }
      ]
    }
  }
}
