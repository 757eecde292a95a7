/** Database bundles: Lightsail's plans and the hardware berth applies to each engine. */
export interface Bundle {
  bundleId: string;
  name: string;
  price: number;
  ramSizeInGb: number;
  diskSizeInGb: number;
  transferPerMonthInGb: number;
  cpuCount: number;
  isEncrypted: boolean;
  isActive: boolean;
  /** High-availability plans report a secondary Availability Zone. */
  highAvailability: boolean;
}

interface Size {
  id: string;
  label: string;
  price: number;
  ram: number;
  disk: number;
  transfer: number;
  cpu: number;
}

const GENERATIONS: Array<{ suffix: string; active: boolean; sizes: Size[] }> = [
  {
    suffix: '2_0',
    active: true,
    sizes: [
      { id: 'micro', label: 'Micro', price: 15, ram: 1, disk: 40, transfer: 100, cpu: 2 },
      { id: 'small', label: 'Small', price: 30, ram: 2, disk: 80, transfer: 100, cpu: 2 },
      { id: 'medium', label: 'Medium', price: 60, ram: 4, disk: 120, transfer: 100, cpu: 2 },
      { id: 'large', label: 'Large', price: 115, ram: 8, disk: 240, transfer: 200, cpu: 2 },
    ],
  },
  {
    suffix: '1_0',
    active: false,
    sizes: [
      { id: 'micro', label: 'Micro', price: 15, ram: 1, disk: 40, transfer: 100, cpu: 1 },
      { id: 'small', label: 'Small', price: 30, ram: 2, disk: 80, transfer: 100, cpu: 1 },
      { id: 'medium', label: 'Medium', price: 60, ram: 4, disk: 120, transfer: 100, cpu: 2 },
      { id: 'large', label: 'Large', price: 115, ram: 8, disk: 240, transfer: 200, cpu: 2 },
    ],
  },
];

export const BUNDLES: readonly Bundle[] = GENERATIONS.flatMap(({ suffix, active, sizes }) =>
  sizes.flatMap((size) =>
    [false, true].map((highAvailability) => ({
      bundleId: highAvailability ? `${size.id}_ha_${suffix}` : `${size.id}_${suffix}`,
      name: highAvailability ? `${size.label} with High Availability` : size.label,
      price: highAvailability ? size.price * 2 : size.price,
      ramSizeInGb: size.ram,
      diskSizeInGb: size.disk,
      transferPerMonthInGb: size.transfer,
      cpuCount: size.cpu,
      isEncrypted: true,
      isActive: active,
      highAvailability,
    })),
  ),
);

const BY_ID = new Map(BUNDLES.map((bundle) => [bundle.bundleId, bundle]));

export function findBundle(bundleId: string): Bundle | undefined {
  return BY_ID.get(bundleId);
}

/** Bundles ordered by size, so a restore can refuse a smaller plan. */
export function bundleRank(bundle: Bundle): number {
  return bundle.ramSizeInGb * 1000 + bundle.diskSizeInGb + (bundle.highAvailability ? 0.5 : 0);
}
