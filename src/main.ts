import * as core from '@actions/core'
export async function run(): Promise<void> { core.info('hi') }
export const two = (): number => 2
