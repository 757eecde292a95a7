// @peculiar/x509 relies on tsyringe, which needs the Reflect metadata API at load time.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

export { x509 };
