/** The real resources berth holds for the hostile-input suite, which the generated requests aim at. */
export interface Fixtures {
  region: string;
  /** available, postgres_17, micro_2_0 */
  db1: string;
  /** stopped, postgres_16 */
  db2: string;
  /** available snapshot of db1 */
  snap1: string;
  /** names nothing has */
  ghost: string;
  freeName: string;
  db1Arn: string;
  snap1Arn: string;
  operationId: string;
  blueprints: string[];
  caIdentifiers: string[];
  logFile: string;
  /** Real page tokens berth issued (pageSize 1). */
  pageTokens: Record<string, string>;
}
