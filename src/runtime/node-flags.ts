/**
 * Whether node was started with `flag` (`--flag=value` or `--flag value`), on its command line or
 * in NODE_OPTIONS: the operator's choice, which CCH's own V8 settings leave alone.
 */
export function nodeFlagGiven(
  flag: string,
  execArgv: readonly string[],
  nodeOptions: string = '',
): boolean {
  const isFlag = (arg: string): boolean => arg === flag || arg.startsWith(`${flag}=`);
  return execArgv.some(isFlag) || nodeOptions.split(/\s+/).some(isFlag);
}
