/**
 * The pure domain rules of berth: names, passwords, windows, tags and the
 * constants they share. No I/O anywhere under this folder.
 */

export * from './constants.js';
export { quote, typeName } from './describe.js';
export * from './names.js';
export * from './passwords.js';
export * from './reserved-words.js';
export * from './tags.js';
export * from './windows.js';
