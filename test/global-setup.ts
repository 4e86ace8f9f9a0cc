// Placeholder: the infra issue replaces this with the shared stack check/start.
export default async function setup(): Promise<void> {}
