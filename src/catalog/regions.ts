/** Lightsail Regions (botocore's RegionName enum plus the newer ones the JS SDK knows). */
export interface RegionInfo {
  name: string;
  displayName: string;
  continentCode: string;
  description: string;
}

const region = (name: string, displayName: string, continentCode: string, audience: string): RegionInfo => ({
  name,
  displayName,
  continentCode,
  description: `This region is recommended to serve users in ${audience}`,
});

export const REGIONS: readonly RegionInfo[] = [
  region('us-east-1', 'Virginia', 'NA', 'the eastern United States'),
  region('us-east-2', 'Ohio', 'NA', 'the eastern United States'),
  region('us-west-1', 'N. California', 'NA', 'the western United States'),
  region('us-west-2', 'Oregon', 'NA', 'the northwestern United States, Alaska, and western Canada'),
  region('ca-central-1', 'Canada', 'NA', 'Canada'),
  region('eu-west-1', 'Ireland', 'EU', 'Ireland, the United Kingdom, and western Europe'),
  region('eu-west-2', 'London', 'EU', 'the United Kingdom and western Europe'),
  region('eu-west-3', 'Paris', 'EU', 'France and western Europe'),
  region('eu-central-1', 'Frankfurt', 'EU', 'central Europe'),
  region('eu-north-1', 'Stockholm', 'EU', 'the Nordic countries and northern Europe'),
  region('eu-south-2', 'Spain', 'EU', 'Spain and southern Europe'),
  region('ap-south-1', 'Mumbai', 'AP', 'India and South Asia'),
  region('ap-southeast-1', 'Singapore', 'AP', 'Southeast Asia'),
  region('ap-southeast-2', 'Sydney', 'AP', 'Australia and New Zealand'),
  region('ap-southeast-3', 'Jakarta', 'AP', 'Indonesia and Southeast Asia'),
  region('ap-southeast-5', 'Malaysia', 'AP', 'Malaysia and Southeast Asia'),
  region('ap-northeast-1', 'Tokyo', 'AP', 'Japan'),
  region('ap-northeast-2', 'Seoul', 'AP', 'South Korea'),
  region('ap-east-1', 'Hong Kong', 'AP', 'Hong Kong and East Asia'),
  region('sa-east-1', 'São Paulo', 'SA', 'South America'),
];

const BY_NAME = new Map(REGIONS.map((info) => [info.name, info]));

/** Each Region offers three database Availability Zones, `<region>a` to `<region>c`. */
const ZONE_LETTERS = ['a', 'b', 'c'] as const;

export function availabilityZones(regionName: string): string[] {
  return ZONE_LETTERS.map((letter) => `${regionName}${letter}`);
}

/** Error message for a Region berth does not know, or undefined when valid. */
export function regionError(name: string): string | undefined {
  if (BY_NAME.has(name)) return undefined;
  return `'${name.slice(0, 64)}' is not a Lightsail Region; use one of: ${REGIONS.map((info) => info.name).join(', ')}.`;
}
