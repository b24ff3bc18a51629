export { DiskStorage, type DiskStorageOptions, type PersistBatch } from './disk-storage';
export { StorageCorruptionError } from './errors';
