export function consoleFrameDrawn(screen: string): boolean;
