// Entry point. The stylesheet is imported here so Vite emits it as a file: the CSP allows no
// inline styles, and nothing on the page may be injected as markup.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { captureLandingToken } from './navigation.js';
import './styles.css';

const root = document.getElementById('root');
if (root === null) throw new Error('index.html has no #root element');

// Before anything renders: a one-time token in the URL fragment leaves the address bar at once.
captureLandingToken();

createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
