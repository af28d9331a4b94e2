import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { toNodeView, type NodeView } from '../src/k8s/views.js';
import { adapterFor, readNotice } from '../src/vendors/index.js';

interface NodeCase {
  id: string;
  kind: string;
  object: Record<string, unknown>;
}

const corpusNodes = new Map(
  readFileSync(new URL('./fixtures/nodes.jsonl', import.meta.url), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as NodeCase)
    .filter((entry) => entry.kind === 'Node')
    .map((entry) => [entry.id, toNodeView(entry.object)]),
);

function corpusNode(id: string): NodeView {
  const node = corpusNodes.get(id);
  if (!node) throw new Error(`node fixture ${id} is missing`);
  return node;
}

function nodeView(options: {
  name: string;
  labels?: Record<string, string>;
  taints?: { key: string; value?: string; effect: string }[];
  providerID?: string;
}): NodeView {
  return toNodeView({
    metadata: { name: options.name, labels: options.labels ?? {} },
    spec: { providerID: options.providerID, taints: options.taints },
    status: {},
  });
}

describe('azure adapter', () => {
  const azure = adapterFor('azure');

  it('reads the VMEventScheduled condition of an AKS node', () => {
    expect(azure.nodeSignals(corpusNode('n016'))).toEqual([
      {
        vendor: 'azure',
        eventId: null,
        kind: 'preempt',
        status: 'scheduled',
        notBefore: '2025-02-26T10:13:13Z',
        notAfter: null,
        resources: ['node-16'],
        durationSeconds: null,
        canReschedule: null,
        code: 'Preempt',
      },
    ]);
  });

  it('ignores other Scheduled conditions and False ones', () => {
    expect(azure.nodeSignals(corpusNode('n015'))).toEqual([]);
    const cleared = toNodeView({
      metadata: { name: 'aks-1' },
      status: { conditions: [{ type: 'VMEventScheduled', status: 'False', reason: 'NoVMEventScheduled', message: '' }] },
    });
    expect(azure.nodeSignals(cleared)).toEqual([]);
  });

  it('reads legacy per-type conditions without a message', () => {
    const node = toNodeView({
      metadata: { name: 'aks-2' },
      status: { conditions: [{ type: 'RebootScheduled', status: 'True', reason: 'RebootScheduled' }] },
    });
    const [event] = azure.nodeSignals(node);
    expect(event?.kind).toBe('reboot');
    expect(event?.notBefore).toBeNull();
  });

  it('names scale-set and availability-set VMs as Scheduled Events does', () => {
    const scaleSet = nodeView({
      name: 'aks-gpu-12345678-vmss00001b',
      providerID:
        'azure:///subscriptions/s/resourceGroups/mc/providers/Microsoft.Compute/virtualMachineScaleSets/aks-gpu-12345678-vmss/virtualMachines/47',
    });
    expect(azure.resourceNames(scaleSet)).toEqual(['aks-gpu-12345678-vmss00001b', 'aks-gpu-12345678-vmss_47']);
    expect(azure.topology(scaleSet).instanceId).toBe('aks-gpu-12345678-vmss_47');
    const availabilitySet = nodeView({
      name: 'aks-nodepool1-00000003-1',
      providerID: 'azure:///subscriptions/s/resourceGroups/mc/providers/Microsoft.Compute/virtualMachines/aks-nodepool1-00000003-1',
    });
    expect(azure.resourceNames(availabilitySet)).toEqual(['aks-nodepool1-00000003-1']);
  });

  it('derives the VM name from the node name without a provider id', () => {
    expect(azure.resourceNames(nodeView({ name: 'aks-spot-00000002-vmss000002' }))).toContain('aks-spot-00000002-vmss_2');
  });
});

describe('gcp adapter', () => {
  const gcp = adapterFor('gcp');

  it('reads the scheduled maintenance labels of a GKE node', () => {
    const node = nodeView({
      name: 'gke-a3-pool-1',
      labels: {
        'cloud.google.com/scheduled-maintenance-time': '1733083200',
        'cloud.google.com/scheduled-maintenance-time-latest': '1733169600',
      },
    });
    const [event] = gcp.nodeSignals(node);
    expect(event).toMatchObject({
      kind: 'unknown',
      status: 'scheduled',
      notBefore: '2024-12-01T20:00:00Z',
      latestStart: '2024-12-02T20:00:00Z',
      resources: ['gke-a3-pool-1'],
    });
  });

  it('reads the termination taint as preemption on Spot nodes', () => {
    const taints = [{ key: 'cloud.google.com/impending-node-termination', effect: 'NoSchedule' }];
    const onDemand = gcp.nodeSignals(nodeView({ name: 'gke-1', taints }));
    const spot = gcp.nodeSignals(nodeView({ name: 'gke-2', taints, labels: { 'cloud.google.com/gke-spot': 'true' } }));
    expect(onDemand.map((event) => `${event.kind} ${event.status}`)).toEqual(['terminate started']);
    expect(spot.map((event) => `${event.kind} ${event.status}`)).toEqual(['preempt started']);
  });

  it('warns about a label that is not epoch seconds', () => {
    const node = nodeView({ name: 'gke-3', labels: { 'cloud.google.com/scheduled-maintenance-time': '2024-12-01' } });
    const [event] = gcp.nodeSignals(node);
    expect(event?.notBefore).toBeNull();
    expect(event?.warnings).toEqual(["cloud.google.com/scheduled-maintenance-time '2024-12-01' is not Unix epoch seconds"]);
  });

  it('reads block, sub-block and accelerator labels', () => {
    const node = nodeView({
      name: 'gke-a4-1',
      providerID: 'gce://example-project/us-central1-b/gke-a4-1',
      labels: {
        'cloud.google.com/gce-topology-block': 'block-1',
        'cloud.google.com/gce-topology-subblock': 'subblock-4',
        'cloud.google.com/gke-accelerator': 'nvidia-b200',
      },
    });
    expect(gcp.topology(node)).toEqual({
      rack: 'subblock-4',
      sku: 'nvidia-b200',
      fabric: 'block-1',
      nvlinkDomain: null,
      instanceId: 'gke-a4-1',
    });
  });
});

describe('aws adapter', () => {
  const aws = adapterFor('aws');

  it('reads the network path and instance type of an EKS node', () => {
    expect(aws.topology(corpusNode('n023'))).toEqual({
      rack: null,
      sku: 'p4d.24xlarge',
      fabric: 'nn-PLACEHOLDER-L1/nn-PLACEHOLDER-L2/nn-PLACEHOLDER-L3',
      nvlinkDomain: null,
      instanceId: null,
    });
  });

  it('takes the instance id from the provider id', () => {
    const node = nodeView({ name: 'ip-10-0-0-1.ec2.internal', providerID: 'aws:///us-west-2a/i-0123456789abcdef0' });
    expect(aws.topology(node).instanceId).toBe('i-0123456789abcdef0');
    expect(aws.resourceNames(node)).toEqual(['ip-10-0-0-1.ec2.internal', 'i-0123456789abcdef0']);
  });

  it('reads taints of aws-node-termination-handler', () => {
    const node = nodeView({
      name: 'ip-10-0-0-2.ec2.internal',
      taints: [
        { key: 'aws-node-termination-handler/scheduled-maintenance', value: 'instance-event-0d59937288b749b32', effect: 'NoSchedule' },
        { key: 'aws-node-termination-handler/spot-itn', value: 'spot-itn-1', effect: 'NoSchedule' },
      ],
    });
    expect(aws.nodeSignals(node).map((event) => [event.eventId, event.kind])).toEqual([
      ['instance-event-0d59937288b749b32', 'unknown'],
      ['spot-itn-1', 'preempt'],
    ]);
  });
});

describe('oci adapter', () => {
  it('reads OKE rack, network block and GPU memory fabric labels', () => {
    const node = nodeView({
      name: '10.0.10.5',
      providerID: 'ocid1.instance.oc1.iad.example',
      labels: {
        'oci.oraclecloud.com/host.rack_id': 'rack-7',
        'oci.oraclecloud.com/host.network_block_id': 'block-2',
        'oci.oraclecloud.com/host.gpu_memory_fabric_id': 'fabric-9',
        'nvidia.com/gpu.product': 'NVIDIA-GB200',
      },
    });
    expect(adapterFor('oci').topology(node)).toEqual({
      rack: 'rack-7',
      sku: 'NVIDIA-GB200',
      fabric: 'block-2',
      nvlinkDomain: 'fabric-9',
      instanceId: 'ocid1.instance.oc1.iad.example',
    });
  });

  it('prefers the GPU clique label for the NVLink domain', () => {
    const node = nodeView({
      name: 'n',
      labels: { 'oci.oraclecloud.com/host.gpu_memory_fabric_id': 'fabric-9', 'nvidia.com/gpu.clique': 'cluster-1.3' },
    });
    expect(adapterFor('oci').topology(node).nvlinkDomain).toBe('cluster-1.3');
  });
});

describe('coreweave adapter', () => {
  const coreweave = adapterFor('coreweave');

  it('reads a node outside production as maintenance under way', () => {
    const node = nodeView({ name: 'g8b2c1', labels: { 'node.coreweave.cloud/state': 'zap' } });
    expect(coreweave.nodeSignals(node)).toMatchObject([{ vendor: 'coreweave', kind: 'unknown', status: 'started', code: 'zap' }]);
    const production = nodeView({ name: 'g8b2c2', labels: { 'node.coreweave.cloud/state': 'production' } });
    expect(coreweave.nodeSignals(production)).toEqual([]);
  });

  it('reads rack and superpod labels, or the configured rack label', () => {
    const node = nodeView({
      name: 'g8b2c1',
      labels: { 'ds.coreweave.com/physical-topology.rack-name': 'r12', 'backend.coreweave.cloud/superpod': 'sp3', site: 'rack-x' },
    });
    expect(coreweave.topology(node)).toMatchObject({ rack: 'r12', fabric: 'sp3' });
    expect(coreweave.topology(node, { rackLabel: 'site' }).rack).toBe('rack-x');
  });
});

describe('generic adapter', () => {
  it('reads back what pitstop notice --json prints', () => {
    const documents = [
      { DocumentIncarnation: 1, Events: [{ EventId: 'a', EventType: 'Redeploy', EventStatus: 'Scheduled', Resources: ['vm-1'], NotBefore: 'Tue, 16 Mar 2021 00:58:46 GMT', DurationInSeconds: 60 }] },
      { source: 'aws.health', detail: { eventArn: 'arn:1', eventTypeCode: 'AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED', statusCode: 'upcoming', affectedEntities: [{ entityValue: 'i-1', status: 'PENDING' }] } },
      { maintenance_status: 'PENDING', window_start_time: '2024-12-01T19:00:01Z', latest_window_start_time: '2024-12-01T19:00:01Z', maintenance_reasons: ['FAILURE_GPU'], can_reschedule: 'maybe' },
    ];
    for (const document of documents) {
      const first = readNotice(JSON.stringify(document));
      const again = readNotice(JSON.stringify(first.events));
      expect(again.format).toBe('generic-json');
      expect(again.vendor).toBe(first.vendor);
      expect(again.events).toEqual(first.events);
    }
  });

  it('warns about values outside the documented enums', () => {
    const reading = readNotice(JSON.stringify({ kind: 'explode', status: 'scheduled', resources: ['n1'], notBefore: 'soon' }));
    expect(reading.events[0]).toMatchObject({ vendor: 'generic', kind: 'unknown', notBefore: null });
    expect(reading.notes).toEqual([
      'kind "explode" is not one of reboot, redeploy, freeze, preempt, terminate, migrate, retirement, stop, unknown',
      "notBefore 'soon' is not an RFC 3339 time",
    ]);
  });

  it('asks for the vendor when a document fits two', () => {
    expect(() => readNotice('[]')).toThrow(/could be aws aws-imds-scheduled-events or generic generic-json/);
    expect(readNotice('[]', { vendor: 'aws' }).events).toEqual([]);
  });
});
