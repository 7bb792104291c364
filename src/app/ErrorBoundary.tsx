import { Component, type ErrorInfo, type ReactNode } from 'react';

/** Catches a render error anywhere below and hands it to the console, which restores the terminal and exits. */
export class ErrorBoundary extends Component<
  { onError: (error: Error, info: ErrorInfo) => void; children: ReactNode },
  { failed: boolean }
> {
  override state = { failed: false };

  static getDerivedStateFromError() {
    return { failed: true };
  }

  override componentDidCatch(error: Error, info: ErrorInfo) {
    this.props.onError(error, info);
  }

  override render() {
    return this.state.failed ? null : this.props.children;
  }
}
